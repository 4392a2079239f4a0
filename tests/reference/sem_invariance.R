# Measurement invariance of the HS 3-factor model across school, by ML and MLR (lavTestLRT).
# Run from this folder: Rscript sem_invariance.R  (writes sem_invariance.json)
suppressPackageStartupMessages({library(lavaan)})
data(HolzingerSwineford1939, package = "lavaan")
hs <- HolzingerSwineford1939
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
run <- function(est) {
  eq <- list(configural = character(0), metric = "loadings",
             scalar = c("loadings", "intercepts"),
             strict = c("loadings", "intercepts", "residuals"))
  fits <- lapply(eq, function(e) {
    if (length(e) == 0) cfa(model, data = hs, group = "school", estimator = est)
    else cfa(model, data = hs, group = "school", group.equal = e, estimator = est)
  })
  lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar, fits$strict)
  list(
    fm = lapply(fits, function(f) as.list(fitMeasures(f))),
    pe = lapply(fits, function(f) parameterEstimates(f, standardized = TRUE)),
    lrt = list(chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]], p = lrt[["Pr(>Chisq)"]])
  )
}
out <- list(model = model, ml = run("ML"), mlr = run("MLR"))
jsonlite::write_json(out, "sem_invariance.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
