spela train --dataset fashion-mnist --data-dir ../shared/datasets/fashion-mnist --layers 784,1000,34 --recipe edge --epochs 20 --threads 1 --evaluate-every 2 --json --engine fixed --seed 2
