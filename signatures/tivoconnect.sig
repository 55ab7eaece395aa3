# TiVo Connect discovery beacons (TiVo DVRs and the TiVo Desktop server), UDP broadcast and TCP
# on 2190: key=value lines in ASCII, the first always "tivoconnect=1" (sent as "TiVoConnect" or
# "tivoconnect").
# Precision: 96 fixed bits.

protocol TiVoConnect id 308 category Network
  rule beacon-camel
    prefix "TiVoConnect="
    # TivoDVR.pcap, 98.245.242.69:2190 -> 255.255.255.255:2190
    example match 5469566f436f6e6e6563743d310a737776657273696f6e3d312e300a6d6574686f643d62726f6164636173740a6964656e746974793d757569643a34643639366536392d343434632d313634652d396434312d3134353963303939633034330a6d616368696e653d5237303030500a706c6174666f726d3d70632f6d696e69646c6e610a73657276696365733d5469566f4d656469615365727665723a383230302f687474700a
    example nomatch 5469566f436f6e6e6563743a310a

  rule beacon-lower
    prefix "tivoconnect="
    # The start of the beacon above as pyTivo (TiVo Desktop's open-source replacement) spells
    # it, in lower case.
    example match 7469766f636f6e6e6563743d310a737776657273696f6e3d312e300a
