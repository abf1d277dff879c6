#!/usr/bin/perl
# An ESME built on Net::SMPP (Debian: libnet-smpp-perl), an SMPP v3.4 implementation independent
# of ours, driven by JSON lines: one command per stdin line, one result line per command on
# stdout. Requests the peer sends us (deliver_sm, data_sm, unbind) are answered at once, also
# while idle or while waiting for a response, and queued for `read_pdus`.
#
# Commands ({"cmd": …, "id": …} plus fields; "timeout_ms" bounds the wait for a response):
#   connect {host, port}          bind {mode, system_id, password, …}
#   submit_sm / submit_multi / data_sm / query_sm / cancel_sm / replace_sm {Net::SMPP fields}
#   enquire_link / unbind         read_pdus {wait_ms, min}   raw {hex}
#   set {deliver_status}          close
# Binary fields go as hex: short_message_hex, tlvs [{tag, hex}] (both ways).
use strict;
use warnings;
use IO::Select;
use JSON::PP;
use Net::SMPP;
use Time::HiRes qw(time);

$| = 1;
my $json = JSON::PP->new->utf8->canonical;
my ($smpp, $in_buf, $deliver_status) = (undef, '', 0);
my @inbox;    # requests from the peer, answered, waiting for read_pdus
my %tag_by_name = map { Net::SMPP::param_tab->{$_}{name} => $_ } keys %{ Net::SMPP::param_tab() };
my %cmd_name = map { $_ => Net::SMPP::pdu_tab->{$_}{cmd} } keys %{ Net::SMPP::pdu_tab() };
# Not copied as they are: Net::SMPP internals, and the fields reshaped below.
my %internal = map { $_ => 1 } qw(data known_pdu reserved cmd status seq short_message num_unsuccess
  dest_addr_ton dest_addr_npi destination_addr error_status_code);

# A decoded PDU as plain JSON: numbers stay numbers, octet strings go as hex.
sub pdu_json {
    my ($p) = @_;
    my %out = (command => $cmd_name{ $p->{cmd} } // sprintf('0x%08x', $p->{cmd}),
               command_status => 0 + $p->{status}, seq => 0 + $p->{seq}, tlvs => []);
    for my $k (sort keys %$p) {
        # A TLV comes under its tag and its name; message_state is also a query_sm_resp field.
        next if $internal{$k} || (exists $tag_by_name{$k} && exists $p->{ $tag_by_name{$k} });
        if ($k =~ /^\d+$/) { push @{ $out{tlvs} }, { tag => 0 + $k, hex => unpack('H*', $p->{$k}) }; next }
        $out{$k} = $p->{$k};
    }
    $out{short_message_hex} = unpack('H*', $p->{short_message}) if defined $p->{short_message};
    if (ref $p->{destination_addr} eq 'ARRAY') {    # submit_multi_resp unsuccess_sme (§4.5.2)
        $out{unsuccess_sme} = [ map { { dest_addr_ton => $p->{dest_addr_ton}[$_], dest_addr_npi => $p->{dest_addr_npi}[$_],
            destination_addr => $p->{destination_addr}[$_], error_status_code => $p->{error_status_code}[$_] } }
            0 .. $#{ $p->{destination_addr} } ];
    } else {
        $out{$_} = $p->{$_} for grep { defined $p->{$_} } qw(dest_addr_ton dest_addr_npi destination_addr);
    }
    return \%out;
}

sub closed {
    my ($why) = @_;
    push @inbox, { command => 'closed', reason => $why } if $smpp;
    undef $smpp;
}

# Answers a request from the peer and queues it; responses nobody waits for are dropped.
sub handle_request {
    my ($p) = @_;
    my $c = $cmd_name{ $p->{cmd} } // '';
    if ($c eq 'enquire_link') { $smpp->enquire_link_resp(seq => $p->{seq}); return }
    if ($p->{cmd} & 0x80000000) { return }
    # §4.6.2: deliver_sm_resp message_id is unused and set to NULL.
    if ($c eq 'deliver_sm') { $smpp->deliver_sm_resp(seq => $p->{seq}, message_id => '', status => $deliver_status) }
    elsif ($c eq 'data_sm') { $smpp->data_sm_resp(seq => $p->{seq}, message_id => '', status => $deliver_status) }
    elsif ($c eq 'unbind') { $smpp->unbind_resp(seq => $p->{seq}) }
    else { $smpp->generic_nack(seq => $p->{seq}, status => 0x03) }    # ESME_RINVCMDID
    push @inbox, pdu_json($p);
    closed('unbound by peer') if $c eq 'unbind';
}

# Reads one PDU if the socket gets readable before the deadline; false on timeout or close.
sub read_one {
    my ($deadline) = @_;
    return 0 unless $smpp;
    my $left = $deadline - time;
    return 0 if $left <= 0 || !IO::Select->new($smpp)->can_read($left);
    my $p = $smpp->read_pdu();
    return closed('connection closed') || 0 unless $p;
    return $p;
}

sub await_response {
    my ($seq, $deadline) = @_;
    while (my $p = read_one($deadline)) {
        # A response echoes its request's sequence number (§3.2); generic_nack answers any request.
        return pdu_json($p) if ($p->{cmd} & 0x80000000) && $p->{seq} == $seq;
        handle_request($p);
    }
    die($smpp ? "no response to seq $seq in time\n" : "connection closed\n");
}

sub fields {
    my ($c) = @_;
    my %f = %$c;
    delete @f{qw(cmd id timeout_ms)};
    $f{short_message} = pack('H*', delete $f{short_message_hex}) if defined $f{short_message_hex};
    my @tlvs = @{ delete $f{tlvs} // [] };
    # Net::SMPP takes a TLV by name with its raw value (a numeric tag would be packed as an integer).
    return (%f, map { (Net::SMPP::param_tab->{ $_->{tag} }{name} // die("unknown TLV tag $_->{tag}\n"), pack('H*', $_->{hex})) } @tlvs);
}

my %request = map { my $m = $_; ($m => sub { $smpp->$m(@_, async => 1) }) }
    qw(submit_sm submit_multi data_sm query_sm cancel_sm replace_sm enquire_link unbind);
$request{bind} = sub { my %f = @_; my $m = 'bind_' . (delete $f{mode} // 'transceiver'); $smpp->$m(%f, async => 1) };

sub run {
    my ($c) = @_;
    my $cmd = $c->{cmd} // '';
    my $deadline = time + ($c->{timeout_ms} // 5000) / 1000;
    if ($cmd eq 'connect') {
        $smpp = Net::SMPP->new_connect($c->{host}, port => $c->{port}, async => 1, timeout => 5)
            or die "connect to $c->{host}:$c->{port} failed: $!\n";
        @inbox = ();
        return { connected => JSON::PP::true };
    }
    if ($cmd eq 'read_pdus') {
        my $until = time + ($c->{wait_ms} // 0) / 1000;
        while (@inbox < ($c->{min} // 1)) { my $p = read_one($until) or last; handle_request($p) }
        return { pdus => [ splice @inbox ] };
    }
    if ($cmd eq 'set') { $deliver_status = $c->{deliver_status} // 0; return {} }
    if ($cmd eq 'close') { $smpp->close if $smpp; undef $smpp; return {} }
    die "not connected\n" unless $smpp;
    if ($cmd eq 'raw') {    # bytes as given; the response is the one with the header's seq
        my $bytes = pack('H*', $c->{hex});
        $smpp->syswrite($bytes);
        return await_response(unpack('x12N', $bytes), $deadline);
    }
    my $send = $request{$cmd} or die "unknown command '$cmd'\n";
    my $resp = await_response($send->(fields($c)), $deadline);
    if ($cmd eq 'unbind') { $smpp->close; undef $smpp }    # §4.2: the session ends after unbind_resp
    return $resp;
}

my $stdin = IO::Select->new(\*STDIN);
while (1) {
    # Idle: keep answering the peer while no command is pending.
    if ($smpp && !$stdin->can_read(0)) {
        my @ready = IO::Select->new(\*STDIN, $smpp)->can_read();
        if (grep { $_ == $smpp } @ready) { my $p = read_one(time + 1); handle_request($p) if $p; next }
    }
    my $n = sysread(STDIN, $in_buf, 65536, length $in_buf);
    last unless $n;
    while ($in_buf =~ s/^([^\n]*)\n//) {
        next unless length $1;
        my $c = eval { $json->decode($1) } // { cmd => '' };
        my $out = eval { { ok => JSON::PP::true, %{ run($c) } } } // { ok => JSON::PP::false, error => ($@ =~ s/\s+$//r) };
        $out->{id} = $c->{id} if defined $c->{id};
        print $json->encode($out), "\n";
    }
}
$smpp->close if $smpp;
