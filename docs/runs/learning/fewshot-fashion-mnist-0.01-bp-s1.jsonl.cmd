spela train --dataset fashion-mnist --data-dir ../shared/datasets/fashion-mnist --layers 784,1024,10 --epochs 5 --seed 1 --threads 1 --json --resplit 0.01 --evaluate-every 5 --algo bp --recipe paper
# revision ed393bf
