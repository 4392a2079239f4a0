# FIML on HS data with deterministic missingness (written to data/hs_missing.csv), and sample.cov input.
# Run from this folder: Rscript sem_fiml.R  (writes sem_fiml.json)
suppressPackageStartupMessages({library(lavaan)})
data(HolzingerSwineford1939, package = "lavaan")
hs <- HolzingerSwineford1939[, c("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9")]
r <- seq_len(nrow(hs))
hs$x1[r %% 7 == 0] <- NA
hs$x5[r %% 5 == 1] <- NA
hs$x9[r %% 11 == 3] <- NA
hs$x4[r %% 13 == 2] <- NA
write.csv(hs, "data/hs_missing.csv", row.names = FALSE, na = "")
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
pack <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  list(pe = pe, fm = as.list(fitMeasures(fit)))
}
fiml <- cfa(model, data = hs, missing = "ml")
full <- HolzingerSwineford1939[, c("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9")]
sc <- cfa(model, sample.cov = cov(full), sample.nobs = nrow(full))
out <- list(model = model, fiml = pack(fiml), samplecov = pack(sc))
jsonlite::write_json(out, "sem_fiml.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
