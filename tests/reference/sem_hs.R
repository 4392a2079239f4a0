# HolzingerSwineford1939 3-factor CFA by ML and MLR, modification indices, compRelSEM/AVE/HTMT.
# Run from this folder: Rscript sem_hs.R  (writes sem_hs.json)
suppressPackageStartupMessages({library(lavaan); library(semTools)})
data(HolzingerSwineford1939, package = "lavaan")
hs <- HolzingerSwineford1939
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
pack <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  list(pe = pe, fm = as.list(fitMeasures(fit)))
}
ml <- cfa(model, data = hs)
mlr <- cfa(model, data = hs, estimator = "MLR")
stdlv <- cfa(model, data = hs, std.lv = TRUE)
mean <- cfa(model, data = hs, meanstructure = TRUE)
mi <- modindices(ml)
cr <- compRelSEM(ml)
av <- AVE(ml)
h2 <- htmt(model, data = hs)
h1 <- htmt(model, data = hs, htmt2 = FALSE)
out <- list(
  model = model,
  ml = pack(ml), mlr = pack(mlr), stdlv = pack(stdlv), mean = pack(mean),
  mi = mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.all")],
  omega = as.list(cr), ave = as.list(av),
  htmt2 = list(names = rownames(h2), m = unclass(h2)),
  htmt = list(names = rownames(h1), m = unclass(h1))
)
jsonlite::write_json(out, "sem_hs.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
