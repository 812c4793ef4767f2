-- grain: the whole writer database: flush its write-ahead log into the file before it is copied
CHECKPOINT;
