# Direct Connect file sharing over UDP: a search result sent straight to an active-mode searcher.
# NMDC (the original protocol): "$SR <nick> <path>\x05<size> <free>/<total slots>\x05TTH:<the
# file's 39-character base32 Tiger tree hash> (<hub address:port>)|", the hash given where older
# clients gave the hub's name; nDPI's directconnect.c checks the same shape ("$SR ", ")|" at the
# end, "TTH:" before the parenthesis). ADC (its successor): "URES <the sender's 39-character
# base32 CID> FN... SI... SL... TR...\n". Facts from the NMDC and ADC protocol documents; no
# shared capture carries Direct Connect: the ADC rule is proven on pcaps/dc-adc-eiskalt.pcap
# (EiskaltDC++ and uhub), the NMDC rule on an example built from the layout (Debian has no NMDC hub).

protocol DirectConnect id 25 category P2P
  rule nmdc-search-result
    transport udp
    packet within 4
    len >= 60
    prefix "$SR "
    u16@-2 == 0x297c          # ")|"
    contains "\x05TTH:"
    # the NMDC document's example result for motd.txt (437 bytes, 3 of 4 slots free)
    example match 245352205573657231206d79706174685c6d6f74642e7478740534333720332f34055454483a41414141414141414141414141414141414141414141414141414141414141414141414141414120283139322e3136382e312e323a343131297c
    # the same without the closing "|"
    example nomatch 245352205573657231206d79706174685c6d6f74642e7478740534333720332f34055454483a41414141414141414141414141414141414141414141414141414141414141414141414141414120283139322e3136382e312e323a34313129

  rule adc-search-result
    transport udp
    packet within 4
    len >= 50
    prefix "URES "
    u8@44 == 0x20             # the space after the 39-character CID
    u8@-1 == 0x0a             # an ADC message ends with a newline
    # dc-adc-eiskalt.pcap, 198.51.100.1:51347 -> 198.51.100.2:4202 (EiskaltDC++ answering a search)
    example match 55524553204b534a4e3650324f3432524241464f325554424a32565256343352424d4a4b47485934504e4b492053493530303020534c3320464e2f73686172652f6d6f74642d617263686976652e62696e2054523457374545414245504c525153414a344c494e4c354436324233454449594d475a4a4c514c535920544f333630393030393237330a
    # URES from CID SCHYYY..., file folder/motd.txt, 437 bytes, 3 slots, its TTH, token auto1
    example match 55524553205343485959594454574b35524741475133424d494842534a4e3250563359595a4f344d35494c5920464e666f6c6465722f6d6f74642e74787420534934333720534c3320545241414141414141414141414141414141414141414141414141414141414141414141414141414120544f6175746f310a
    # a CID one character short
    example nomatch 55524553205343485959594454574b35524741475133424d494842534a4e3250563359595a4f344d35494c20464e666f6c6465722f6d6f74642e74787420534934333720534c3320545241414141414141414141414141414141414141414141414141414141414141414141414141414120544f6175746f310a
