from committee.launch import main

main()
