spela train --dataset mnist --data-dir ../shared/datasets/mnist --layers 784,128,34 --epochs 20 --seed 3 --threads 1 --json 
# revision 4a1b051
