from seabridge.cli.main import main

main()
