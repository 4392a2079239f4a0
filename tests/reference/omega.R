# Reference values for engagesurvey.omega (psych 2.2.9 omega / schmid).
# Run from this folder: Rscript omega.R   (writes omega.json)
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
bfi <- read.csv("data/bfi.csv")
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))]
hs <- read.csv("data/HolzingerSwineford1939.csv")[, paste0("x", 1:9)]

om_out <- function(o) {
  sl <- o$schmid$sl
  list(omega_h = o$omega_h, omega_total = o$omega.tot, alpha = o$alpha, omega_lim = o$omega.lim,
       ecv = unname(o$ECV), g6 = o$G6,
       sl = unname(sl), sl_cols = colnames(sl), sl_rows = rownames(sl),
       group = unname(as.matrix(o$omega.group)), group_rows = rownames(o$omega.group),
       group_cols = colnames(o$omega.group), key = unname(o$key),
       phi = unname(o$schmid$phi), gloading = unname(as.vector(o$schmid$gloading)))
}
out <- list()
out$bfi5 <- om_out(suppressMessages(suppressWarnings(omega(items, nfactors = 5, plot = FALSE))))
cs <- items[, paste0("C", 1:5)]
out$c3 <- om_out(suppressMessages(suppressWarnings(omega(cs, plot = FALSE))))
out$hs3 <- om_out(suppressMessages(suppressWarnings(omega(hs, nfactors = 3, plot = FALSE))))
out$hs2 <- om_out(suppressMessages(suppressWarnings(omega(hs, nfactors = 2, plot = FALSE))))
# correlation matrix input (n.obs given), as for the polychoric (ordinal) omega
r <- cor(items, use = "pairwise")
out$bfi5_cor <- om_out(suppressMessages(suppressWarnings(omega(r, nfactors = 5, n.obs = 2800, plot = FALSE))))
out$hs3_geomin <- om_out(suppressMessages(suppressWarnings(omega(hs, nfactors = 3, rotate = "geominQ", plot = FALSE))))
# other extractions and the promax rotation (psych's rotate = "quartimin" fails in psych 2.2.9:
# object 'obminfact' not found, so engagesurvey's omega does not offer it)
out$hs3_ml <- om_out(suppressMessages(suppressWarnings(omega(hs, nfactors = 3, fm = "ml", plot = FALSE))))
out$hs3_pa <- om_out(suppressMessages(suppressWarnings(omega(hs, nfactors = 3, fm = "pa", plot = FALSE))))
out$hs3_promax <- om_out(suppressMessages(suppressWarnings(omega(hs, nfactors = 3, rotate = "promax", plot = FALSE))))
write_json(out, "omega.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
