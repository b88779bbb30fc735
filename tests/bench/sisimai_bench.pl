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
my ($u0, $s0) = times;
my $t0 = time;
for my $f (@files) {
    my $r = $decode->($f);
    $n++;
}
my $elapsed = time - $t0;
my ($u1, $s1) = times;
# Messages, wall-clock seconds and CPU seconds (user + system) of this process.
printf "%d %.6f %.6f\n", $n, $elapsed, ($u1 - $u0) + ($s1 - $s0);
