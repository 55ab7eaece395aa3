# CAN frames tunnelled over IP (the "ISO11898" encapsulation): the ASCII magic "ISO11898", a
# version byte (1), a frame count, then the CAN frames. UDP or TCP, any port.
# Precision: 64 fixed bits.

protocol Controller_Area_Network id 352 category System
  rule iso11898
    len >= 10
    prefix "ISO11898"
    # can.pcap, 207.134.64.89:36251 -> 48.220.224.78:11898
    example match 49534f313138393801026a12f109083b20d6700000ff7ffd10006a13f109083b20206effffffffff10000160ff
    example nomatch 49534f313138393901026a12f109083b20d6700000ff7ffd10006a13f109083b20206effffffffff10000160ff
