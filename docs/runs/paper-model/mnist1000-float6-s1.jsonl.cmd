spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,1000,34 --recipe edge --engine float --epochs 6 --seed 1 --threads 1 --evaluate-every 2 --json
