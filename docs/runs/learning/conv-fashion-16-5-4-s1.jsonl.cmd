spela train --dataset fashion-mnist --data-dir ../shared/datasets/fashion-mnist --layers 784,128,34 --epochs 1 --seed 1 --threads 1 --json --preprocess none --train-samples 20000 --conv 16:5:4
# revision ed393bf
