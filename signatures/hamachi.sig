# LogMeIn (GoTo) Hamachi, a VPN carrying IP between the members of a network, over UDP between
# peers or through LogMeIn's relays. Its UDP packets have no published specification; the
# facts here are those of nDPI's dissector (src/lib/protocols/hamachi.c, id 451, category VPN)
# and of the pull request that added it (ntop/nDPI#2860), observed on real sessions:
#   bytes 0-3  a value that stays the same for the whole session in one direction (another one
#              in the other direction), never 0 nor 0xffffffff;
#   bytes 4-7  a packet counter, 1 for the first packet, +1 for each next one (below 65536
#              among a session's first packets, so bytes 4-5 are zero);
#   bytes 8-9  another per-direction constant; the rest is encrypted; at least 46 bytes.
# A relay session may open with two 76-byte handshake packets that do not follow this layout;
# the rule lets them pass and looks at the packets after them.
# The rule asks for three packets of one direction that carry the same first four bytes and a
# counter below 65536, the third after the other side has spoken (nDPI, too, waits for both
# directions). Two constant first words of other tunnels are left out: WireGuard's transport
# data (0x04000000, whose receiver index at bytes 4-7 may start with two zero bytes) and VXLAN
# (0x08000000 with a VNI below 256); both are named by their own rules when their flows start,
# this keeps a flow caught in mid-session from taking Hamachi's name. OpenVPN's P_DATA_V2 with
# an AEAD cipher (opcode and peer id, then a packet counter) has the same shape; its flows are
# named OpenVPN from their handshake. No capture in the corpora: the example is built from the
# layout above.

protocol Hamachi id 451 category VPN
  rule udp-session
    transport udp
    packet within 12
    both-directions
    len >= 46
    u16@4 == 0x0000
    not u16@6 == 0x0000
    not u32@0 in {0x00000000, 0xffffffff, 0x04000000, 0x08000000}
    repeat 3 same u32@0
    # built: session value 5a3c9e12, packet 1, bytes 8-9 1a2b, 50 bytes of ciphertext
    example match 5a3c9e12000000011a2bdc5b923733f5c09110fef463975fd06b01e5e19fd782070a6ecbe661858c280ebe196bb01f56874964010fa8b27439a534fa
    # the same with a counter of 65537: not a session's first packets
    example nomatch 5a3c9e12000100011a2bd3f0808045e3e16854baaccbaf25e40f9b3c472f0831f2252394cc0acee6f9ecfff395210e40aa8133ba60fd44a795d213b6
