spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,256,128,34 --epochs 5 --seed 1 --threads 1 --json --classes 5-9 --start-from ext-bp-04.splw --freeze 1 --evaluate-every 5
# revision ed393bf
