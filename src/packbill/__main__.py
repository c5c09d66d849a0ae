from packbill.entry import main

main()
