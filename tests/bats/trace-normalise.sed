# Normalise fbr-trace output for the golden test: times, latencies,
# uniques, threads, inode and node numbers, handles and timestamps vary
# from run to run; the requests, arguments and results must not.
s/^[0-9]+\.[0-9]{6} /T /
s/ <[0-9]+\.[0-9]{6}>$/ <L>/
s/#[0-9]+ /#U /
s/^T \[[0-9]+\]/T [W]/
s/(ino|nodeid|newdir|oldnodeid)=([2-9]|[1-9][0-9]+)/\1=N/g
s/(atime|mtime|ctime|btime)=[0-9]+\.[0-9]+/\1=X/g
s/(fh|lock_owner)=0x[0-9a-f]+/\1=X/g
s/(off|blocks|bfree|bavail|files|ffree)=[0-9]+/\1=X/g
