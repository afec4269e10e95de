spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,1024,10 --algo bp --recipe paper --binary-weights --epochs 10 --seed 1 --threads 1 --json
# revision eebf7f0
