module alertwire/golden

go 1.19
