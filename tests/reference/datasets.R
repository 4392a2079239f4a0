# Writes the public R data sets the tests use, so CI needs no R.
# Run from this folder: Rscript datasets.R
suppressPackageStartupMessages({library(psych); library(lavaan)})
data(bfi, package = "psych")
out <- cbind(id = rownames(bfi), bfi)
write.csv(out, "data/bfi.csv", row.names = FALSE, na = "")
data(HolzingerSwineford1939, package = "lavaan")
write.csv(HolzingerSwineford1939, "data/HolzingerSwineford1939.csv", row.names = FALSE, na = "")
data(PoliticalDemocracy, package = "lavaan")
write.csv(PoliticalDemocracy, "data/PoliticalDemocracy.csv", row.names = FALSE, na = "")
