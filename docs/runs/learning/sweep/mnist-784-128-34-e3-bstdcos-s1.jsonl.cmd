spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,128,34 --epochs 3 --seed 1 --threads 1 --json --recipe paper --loss softmax --temperature 0.05 --priors binary --preprocess standardise --lr 0.03 --schedule cosine
# revision a08f608
