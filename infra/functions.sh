# The Lambda functions: the packages that build them and the binaries those produce. Sourced by
# deploy.sh and function-sizes.sh. They are built by package, never by `--bin` from the
# workspace root, so that the seller CLI's embedded engine (SQLite and its server) stays out.
FUNCTION_PACKAGES=(promo-issue promo-redeem promo-expire promo-stats promo-telegram promo-discord)
FUNCTION_BINARIES=(promo-issue promo-redeem promo-expire promo-stats promo-telegram promo-telegram-notify promo-discord)
