# Reference for engagesurvey.stream.score_stream and engagesurvey.dask_backend.score_dask: on psych's bfi
# with its keys, psych::scoreItems scores (impute = "none") and the moments of the reverse-keyed items
# (min + max - x = 7 - x): listwise (complete.obs) and pairwise, overall and by gender.
# Run from this folder: Rscript stream.R   -> stream.json
suppressPackageStartupMessages({library(psych); library(jsonlite)})
bfi <- read.csv("data/bfi.csv")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
sc <- scoreItems(keys, bfi[, items], impute = "none", min = 1, max = 6)
scores <- as.data.frame(sc$scores)
x <- as.matrix(bfi[, items])
storage.mode(x) <- "double"
rev <- sub("^-", "", grep("^-", unlist(keys), value = TRUE))
x[, rev] <- 7 - x[, rev]
mom <- function(x) {
  cc <- complete.cases(x)
  list(n = sum(cc), means = unname(colMeans(x[cc, , drop = FALSE])),
       cov = unname(cov(x, use = "complete.obs")),
       pairwise_n = unname(crossprod(!is.na(x))),
       pairwise_cov = unname(cov(x, use = "pairwise.complete.obs")))
}
out <- list(
  psych_version = as.character(packageVersion("psych")),
  keys = keys, items = items, reversed = rev,
  scores = lapply(scores, function(v) ifelse(is.na(v), NA, v)),
  moments = mom(x),
  groups = lapply(split(seq_len(nrow(x)), bfi$gender), function(i) mom(x[i, ]))
)
write_json(out, "stream.json", digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null")
