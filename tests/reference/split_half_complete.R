# Reference values for engagesurvey.split_half(missing = "listwise"): psych::splitHalf(use = "complete")
# on the same bfi items as reliability.R's split-half cases (A1, C4, C5 reversed as 7 - x); the
# first/second and odd/even halves are written out on the complete-case matrix.
# Run from this folder: Rscript split_half_complete.R   (writes split_half_complete.json)
suppressPackageStartupMessages(library(psych))
stopifnot(packageVersion("psych") == "2.2.9")
bfi <- read.csv("data/bfi.csv")
X10 <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]
X10$A1 <- 7 - X10$A1; X10$C4 <- 7 - X10$C4; X10$C5 <- 7 - X10$C5
sh_ref <- function(x, covar = FALSE) {
  s <- splitHalf(x, raw = TRUE, check.keys = FALSE, covar = covar, use = "complete")
  r <- cov(x, use = "complete.obs"); if (!covar) r <- cov2cor(r)
  k <- ncol(x); h <- trunc(k / 2)
  sb <- function(a) {   # a: logical, TRUE = first half
    R <- t(cbind(a, !a)) %*% r %*% cbind(a, !a)
    rab <- R[1, 2] / sqrt(R[1, 1] * R[2, 2])
    c(r_halves = rab, spearman_brown = 2 * rab / (1 + rab), guttman = 4 * R[1, 2] / sum(R))
  }
  list(n_complete = sum(complete.cases(x)), n_rows = nrow(x),
       maxrb = s$maxrb, minrb = s$minrb, meanr = s$meanr, av_r = s$av.r, med_r = s$med.r,
       alpha = s$alpha, lambda2 = s$lambda2, lambda6 = s$lambda6, ci = unname(s$ci),
       n_splits = length(s$raw),
       first_second = as.list(sb(seq_len(k) <= h)),
       odd_even = as.list(sb(seq_len(k) %% 2 == 1)))
}
out <- list(psych_version = as.character(packageVersion("psych")))
out$split_half_10 <- sh_ref(X10)
out$split_half_9 <- sh_ref(X10[, 1:9])
out$split_half_10_covar <- sh_ref(X10, covar = TRUE)
jsonlite::write_json(out, "split_half_complete.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
