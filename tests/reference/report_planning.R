# Standardised mediation paths (OLS on scale()-d complete cases) and ICC(1) for
# engagesurvey.report.planning. Run from tests/reference: Rscript report_planning.R -> report_planning.json
library(multilevel)
bfi <- read.csv("data/bfi.csv")
d <- na.omit(bfi[, c("A2", "A3", "A5")])
z <- as.data.frame(scale(d))
a <- unname(coef(lm(A3 ~ A2, data = z))["A2"])
fit <- lm(A5 ~ A2 + A3, data = z)
g <- na.omit(bfi[, c("A3", "education")])
g$education <- factor(g$education)
x <- list(
  paths = list(x = "A2", m = "A3", y = "A5", n = nrow(z), a = a,
               b = unname(coef(fit)["A3"]), c_prime = unname(coef(fit)["A2"])),
  icc = list(value = "A3", group = "education", icc1 = ICC1(aov(A3 ~ education, data = g)))
)
jsonlite::write_json(x, "report_planning.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
