# Reference for engagesurvey.score's scoring rules and minimum-valid rule, in base R on psych's bfi
# (keys as scoring.R). Reverse-keyed items are 7 - x (min + max - x, responses 1..6). For each scale:
#   n_valid = answered items; mean = mean of the answered items (psych::scoreItems(impute = "none"));
#   sum  = k * mean (prorated sum over the k items); POMP = 100 (mean - 1) / (6 - 1);
#   with a minimum of 4 answered items (a count, or the share 0.8 of 5 items) the score is NA below it.
# Run from this folder: Rscript scoring_rules.R   -> scoring_rules.json
suppressPackageStartupMessages({library(jsonlite)})
data(bfi, package = "psych")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
one <- function(k) {
  rev <- startsWith(k, "-")
  x <- as.matrix(bfi[, sub("^-", "", k)])
  x[, rev] <- 7 - x[, rev]
  n <- rowSums(!is.na(x))
  m <- ifelse(n > 0, rowMeans(x, na.rm = TRUE), NA)
  nul <- function(v) ifelse(is.na(v), NA, v)
  list(n_valid = n, mean = nul(m), sum = nul(length(k) * m), pomp = nul(100 * (m - 1) / 5),
       mean_min4 = nul(ifelse(n >= 4, m, NA)))
}
out <- list(keys = keys, min = 1, max = 6, needed = 4, scales = lapply(keys, one))
write_json(out, "scoring_rules.json", digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null")
