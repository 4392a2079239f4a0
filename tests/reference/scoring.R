# Reference for engagesurvey.score: psych::scoreItems on psych's bfi with its keys, impute = "none"
# (scale score = mean of the answered items, reverse-keyed items as min + max - x).
# Run from this folder: Rscript scoring.R   -> scoring.json
suppressPackageStartupMessages({library(psych); library(jsonlite)})
data(bfi, package = "psych")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
items <- bfi[, 1:25]
sc <- scoreItems(keys, items, impute = "none", min = 1, max = 6)
scores <- as.data.frame(sc$scores)
out <- list(
  psych_version = as.character(packageVersion("psych")),
  keys = keys,
  min = 1, max = 6,
  id = rownames(bfi),
  scores = lapply(scores, function(v) ifelse(is.na(v), NA, v)),
  alpha = as.list(sc$alpha[1, ])
)
write_json(out, "scoring.json", digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null")
