spela train --dataset fashion-mnist --data-dir ../shared/datasets/fashion-mnist --layers 784,1000,34 --epochs 6 --seed 1 --threads 1 --json --preprocess scale --evaluate-every 3
# revision ed393bf
