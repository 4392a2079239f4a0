# Fixture for engagesurvey.models regression (lm, HC3 / cluster-robust by matrix algebra, VIF, anova).
# Also writes data/models_bfi_scales.csv: bfi rows complete on the A, C, E items (n = 2563) with the
# psych-keyed scale means (A1, C4, C5, E1, E2 reversed as 7 - x; N unkeyed, mean of answered items).
# Run from tests/reference/: Rscript models_regression.R
library(jsonlite)
bfi <- read.csv("data/bfi.csv")
it <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5))
d <- bfi[complete.cases(bfi[, it]), ]
rev <- c("A1", "C4", "C5", "E1", "E2")
for (r in rev) d[[r]] <- 7 - d[[r]]
d$A <- rowMeans(d[, paste0("A", 1:5)])
d$C <- rowMeans(d[, paste0("C", 1:5)])
d$E <- rowMeans(d[, paste0("E", 1:5)])
d$N <- rowMeans(d[, paste0("N", 1:5)], na.rm = TRUE)
d$N[is.nan(d$N)] <- NA
sc <- d[, c("id", "A", "C", "E", "N", "gender", "education", "age")]
out <- sc
for (v in c("A", "C", "E", "N")) out[[v]] <- ifelse(is.na(sc[[v]]), NA, sprintf("%.17g", sc[[v]]))
write.table(out, "data/models_bfi_scales.csv", sep = ",", row.names = FALSE, quote = FALSE, na = "")
d <- sc

# --- OLS: E ~ A + C + N + age (listwise on these columns), clustered by education
cc <- d[complete.cases(d[, c("E", "A", "C", "N", "age", "education")]), ]
fit <- lm(E ~ A + C + N + age, data = cc)
s <- summary(fit)
X <- model.matrix(fit); e <- resid(fit); n <- nrow(X); p <- ncol(X)
XtXi <- solve(crossprod(X))
h <- rowSums((X %*% XtXi) * X)
hc3 <- XtXi %*% crossprod(X * (e / (1 - h))) %*% XtXi
cl <- cc$education; G <- length(unique(cl))
U <- rowsum(X * e, cl)
cr <- XtXi %*% crossprod(U) %*% XtXi * (G / (G - 1)) * ((n - 1) / (n - p))
sdx <- apply(X[, -1], 2, sd)
std <- coef(fit)[-1] * sdx / sd(cc$E)
vif <- sapply(colnames(X)[-1], function(v) {
  r2 <- summary(lm(X[, v] ~ X[, setdiff(colnames(X)[-1], v)]))$r.squared
  1 / (1 - r2)
})
# incremental validity: step 1 E ~ age + N, step 2 adds A and C
m1 <- lm(E ~ age + N, data = cc); m2 <- lm(E ~ age + N + A + C, data = cc)
av <- anova(m1, m2)
res <- list(
  n = n,
  terms = colnames(X),
  coef = unname(coef(fit)), se = unname(s$coefficients[, 2]), t = unname(s$coefficients[, 3]),
  p = unname(s$coefficients[, 4]),
  r2 = s$r.squared, adj_r2 = s$adj.r.squared, fstat = unname(s$fstatistic[1]),
  sigma = s$sigma, loglik = as.numeric(logLik(fit)), aic = AIC(fit), bic = BIC(fit),
  std = unname(std), hc3_se = unname(sqrt(diag(hc3))), cluster_se = unname(sqrt(diag(cr))),
  n_clusters = G,
  vif = unname(vif),
  ci_lower = unname(confint(fit)[, 1]), ci_upper = unname(confint(fit)[, 2]),
  change = list(r2_1 = summary(m1)$r.squared, r2_2 = summary(m2)$r.squared,
                F = av$F[2], df1 = av$Df[2], df2 = av$Res.Df[2], p = av$`Pr(>F)`[2])
)
# a formula with a factor: E ~ A + C(education) (treatment contrasts)
fit2 <- lm(E ~ A + factor(education), data = cc)
res$factor_model <- list(terms = colnames(model.matrix(fit2)), coef = unname(coef(fit2)),
                         se = unname(summary(fit2)$coefficients[, 2]))
write_json(res, "models_regression.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
