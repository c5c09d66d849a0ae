from packbill.entry import main

if __name__ == "__main__":  # a writer process (spawned) imports this module again: it must not run the command
    main()
