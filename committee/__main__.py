from committee.cli import main

main()
