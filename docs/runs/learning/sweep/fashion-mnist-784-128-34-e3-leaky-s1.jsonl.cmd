spela train --dataset fashion-mnist --data-dir ../shared/datasets/fashion-mnist --layers 784,128,34 --epochs 3 --seed 1 --threads 1 --json --recipe paper --activation leaky:0.01
# revision a08f608
