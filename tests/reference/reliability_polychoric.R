# Reference values for engagesurvey.polychoric (polychoric / tetrachoric, psych 2.2.9).
# Run from this folder: Rscript reliability_polychoric.R   (writes reliability_polychoric.json)
suppressPackageStartupMessages(library(psych))
stopifnot(packageVersion("psych") == "2.2.9")
bfi <- read.csv("data/bfi.csv")
items25 <- names(bfi)[2:26]
A <- bfi[, c("A1", "A2", "A3", "A4", "A5")]

fin <- function(m) { m <- unclass(m); m[!is.finite(m)] <- NA; m }
poly_ref <- function(x) {
  p <- suppressWarnings(suppressMessages(polychoric(x)))
  list(items = colnames(x), rho = unname(p$rho), tau = unname(fin(p$tau)),
       tau_inf = unname(sign(unclass(p$tau)) * is.infinite(unclass(p$tau))), n = p$n.obs)
}
out <- list()
out$poly_A <- poly_ref(A)
out$poly_25 <- poly_ref(bfi[, items25])
# unequal numbers of categories -> psych sets global = FALSE (pairwise thresholds, 0.5 correction)
Au <- A; Au$A1[Au$A1 == 6] <- 5
out$poly_unequal <- poly_ref(Au)
# a category missing in the middle (A2 has no 3) and at the bottom (A3 has no 1); same max -> global
Am <- A; Am$A2[Am$A2 == 3] <- 4; Am$A3[Am$A3 == 1] <- 2
out$poly_missing_cat <- poly_ref(Am)
# small sample, 25 items: empty cells, unequal categories, maybe smoothing
out$poly_small <- poly_ref(bfi[1:60, items25])

tet_ref <- function(x) {
  t <- suppressWarnings(suppressMessages(tetrachoric(x)))
  list(items = colnames(x), rho = unname(t$rho), tau = unname(t$tau))
}
B <- as.data.frame(lapply(A, function(v) as.integer(v >= 4)))
out$tet_A <- tet_ref(B)
# zero cells: rare categories in a small sample
Bz <- as.data.frame(lapply(bfi[1:80, c("A1", "A2", "C1", "E3")], function(v) as.integer(v >= 6)))
out$tet_zero <- tet_ref(Bz)
out$tet_zero_data <- as.list(Bz)
jsonlite::write_json(out, "reliability_polychoric.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
