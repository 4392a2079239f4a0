# Measurement invariance of ordered indicators by WLSMV (lavaan 0.6-14 defaults, delta parameterization):
# two-factor CFA of A1-A5, C1-C5 of bfi (listwise complete rows), groups = gender.
# configural vs thresholds + loadings equal ("scalar"), compared by lavTestLRT (method "satorra.2000",
# scaled.shifted = TRUE by default; also scaled.shifted = FALSE), plus a comparison whose less restricted
# model already has equality constraints (thresholds + loadings vs + lv.variances).
# Also records that under delta group.equal + "intercepts" / + "residuals" leave the model unchanged.
# Run from this folder: Rscript sem_wlsmv_invariance.R  (writes sem_wlsmv_invariance.json)
suppressPackageStartupMessages(library(lavaan))
bfi <- read.csv("data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5))
d <- bfi[complete.cases(bfi[, items]), c(items, "gender")]
model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
fit <- function(eq) {
  if (length(eq) == 0) cfa(model, data = d, ordered = TRUE, group = "gender")
  else cfa(model, data = d, ordered = TRUE, group = "gender", group.equal = eq)
}
configural <- fit(character(0))
scalar <- fit(c("thresholds", "loadings"))
lvvar <- fit(c("thresholds", "loadings", "lv.variances"))
strict <- fit(c("thresholds", "loadings", "intercepts", "residuals"))
lrt_list <- function(l) list(chisq_diff = l[["Chisq diff"]][2], df_diff = l[["Df diff"]][2],
                             p = l[["Pr(>Chisq)"]][2])
sat <- lavaan:::lav_test_diff_Satorra2000(configural, scalar, H1 = TRUE, Satterthwaite = TRUE,
                                           scaled.shifted = TRUE)
out <- list(
  model = model, group_labels = lavInspect(configural, "group.label"),
  fm = list(configural = as.list(fitMeasures(configural)), scalar = as.list(fitMeasures(scalar))),
  lrt = lrt_list(lavTestLRT(configural, scalar)),
  lrt_mean_var = lrt_list(lavTestLRT(configural, scalar, scaled.shifted = FALSE)),
  lrt_lvvar = lrt_list(lavTestLRT(scalar, lvvar)),
  satorra2000 = list(trace_ugamma = sat$trace.UGamma, trace_ugamma2 = sat$trace.UGamma2, a = sat$a, b = sat$b),
  strict_delta = list(df = fitMeasures(strict, "df")[[1]], chisq = fitMeasures(strict, "chisq")[[1]],
                      scalar_df = fitMeasures(scalar, "df")[[1]], scalar_chisq = fitMeasures(scalar, "chisq")[[1]])
)
jsonlite::write_json(out, "sem_wlsmv_invariance.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
