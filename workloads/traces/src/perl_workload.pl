# perl_workload.pl: a fixed workload for perl. Word counting with hashes,
# string building, regex substitution, sorting and nested data.
# Deterministic: a fixed LCG, PERL_HASH_SEED=0 is set by record-all.sh.
use strict;
use warnings;

my $seed = 12345;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed >> 8; }

my @words = map { join '', map { chr(97 + rnd() % 26) } 1 .. (3 + rnd() % 8) } 1 .. 3000;
my %count;
$count{ $words[ rnd() % @words ] }++ for 1 .. 40000;
my @top = (sort { $count{$b} <=> $count{$a} or $a cmp $b } keys %count)[0 .. 9];

my @records;
for my $i (1 .. 6000) {
    push @records, { id => $i, name => $words[ $i % @words ], tags => [ @words[ $i % 50 .. $i % 50 + 4 ] ] };
}
my $text = join "\n", map { "$_->{id}:$_->{name}:" . join(',', @{ $_->{tags} }) } @records;
(my $shout = $text) =~ s/([aeiou])/uc $1/ge;
my @fields = map { [ split /:/ ] } split /\n/, $shout;
my %by_len;
push @{ $by_len{ length $_->[1] } }, $_->[0] for @fields;
my $out = '';
$out .= "$_ " . scalar(@{ $by_len{$_} }) . "\n" for sort { $a <=> $b } keys %by_len;
printf "%d %d %s\n", length($text), scalar(@fields), join(' ', @top[0 .. 2]);
