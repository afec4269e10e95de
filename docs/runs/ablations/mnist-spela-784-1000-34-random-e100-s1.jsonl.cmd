spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,1000,34 --recipe paper --priors random --epochs 100 --evaluate-every 5 --seed 1 --threads 1 --json
# revision eebf7f0
