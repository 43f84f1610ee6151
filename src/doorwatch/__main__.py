from doorwatch.cli import main

main()
