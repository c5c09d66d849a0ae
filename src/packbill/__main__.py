from packbill.cli import main

main()
