spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,256,128,5 --epochs 5 --seed 1 --threads 1 --json --classes 5-9 --algo bp --recipe paper --evaluate-every 5
# revision ed393bf
