# 4 worker threads build hashes of strings and return them joined to the main thread;
# Thread::Queue hands work items across threads.
use strict; use warnings; use threads; use Thread::Queue;
my $q = Thread::Queue->new();
my @w = map { threads->create(sub {
    my $sum = 0;
    while (defined(my $n = $q->dequeue())) {
        my %h = map { ("k$_" => join(',', map { $_ * $n } 1 .. 10)) } 1 .. 200;
        $sum += length(join(';', map { "$_=$h{$_}" } sort keys %h));
    }
    return $sum;
}) } 1 .. 4;
$q->enqueue($_) for 1 .. 150;
$q->end();
my $total = 0; $total += $_->join() for @w;
print "$total\n";
