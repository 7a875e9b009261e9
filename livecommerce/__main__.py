from livecommerce.cli.main import main

main()
