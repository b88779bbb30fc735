#!/usr/bin/perl
# Times Sisimai decoding each file named on the command line; prints "<messages> <seconds>".
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);

my @files = @ARGV;
my $decode = Sisimai->can('rise')
    ? sub { Sisimai->rise($_[0], 'delivered' => 1, 'vacation' => 1) }
    : sub { Sisimai->make($_[0], 'delivered' => 1) };
my $n = 0;
my $t0 = time;
for my $f (@files) {
    my $r = $decode->($f);
    $n++;
}
my $elapsed = time - $t0;
printf "%d %.6f\n", $n, $elapsed;
