from livecommerce.cli import main

main()
