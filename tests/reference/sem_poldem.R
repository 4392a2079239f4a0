# PoliticalDemocracy structural model (lavaan tutorial) and a labelled model with a defined indirect effect.
# Run from this folder: Rscript sem_poldem.R  (writes sem_poldem.json)
suppressPackageStartupMessages({library(lavaan)})
data(PoliticalDemocracy, package = "lavaan")
model <- "
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + a*y2 + b*y3 + c*y4
    dem65 =~ y5 + a*y6 + b*y7 + c*y8
  # regressions
    dem60 ~ ind60
    dem65 ~ ind60 + dem60
  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8
"
model2 <- "
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ a*ind60
  dem65 ~ c*ind60 + b*dem60
  y1 ~~ y5
  ind := a*b
  total := c + a*b
"
pack <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  list(pe = pe, fm = as.list(fitMeasures(fit)))
}
f1 <- sem(model, data = PoliticalDemocracy)
f2 <- sem(model2, data = PoliticalDemocracy)
out <- list(model = model, model2 = model2, tutorial = pack(f1), labelled = pack(f2))
jsonlite::write_json(out, "sem_poldem.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
