from services.identity.cli import main

main()
