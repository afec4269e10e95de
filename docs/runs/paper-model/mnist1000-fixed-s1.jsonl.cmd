spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,1000,34 --recipe edge --epochs 20 --threads 1 --evaluate-every 2 --json --engine fixed --seed 1
