from pipeline.cli import main

if __name__ == "__main__":  # not when a spawned process (the page's run) imports it
    main()
