spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,256,34 --epochs 5 --seed 1 --threads 1 --json --classes 0-4 --save ext-spela-04.splw --evaluate-every 5
# revision ed393bf
