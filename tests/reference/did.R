# Difference-in-differences references: lm + CR1 sandwich by hand (as sandwich::vcovCL type HC1), TWFE event
# study with unit and time factors, and Callaway-Sant'Anna ATT(g,t) as base-R differences of means.
# Writes data/did_panel.csv and did.json. Run from tests/reference: Rscript did.R
set.seed(4242)
n <- 120; T <- 7
G <- sample(c(0, 4, 6), n, replace = TRUE)
a <- rnorm(n) + 0.3 * (G > 0); lam <- rnorm(T) * 0.5
d <- expand.grid(time = 1:T, unit = 1:n)[, c("unit", "time")]
d$g <- G[d$unit]
eff <- ifelse(d$g > 0 & d$time >= d$g, 0.5 + 0.2 * (d$time - d$g), 0)
d$y <- a[d$unit] + lam[d$time] + eff + rnorm(nrow(d))
write.csv(d, "data/did_panel.csv", row.names = FALSE)

cr1 <- function(fit, cl) {
  X <- model.matrix(fit); X <- X[, !is.na(coef(fit)), drop = FALSE]; e <- resid(fit)
  N <- nrow(X); K <- ncol(X); Gc <- length(unique(cl))
  bread <- solve(crossprod(X))
  S <- rowsum(X * e, cl)
  Gc / (Gc - 1) * (N - 1) / (N - K) * bread %*% crossprod(S) %*% bread
}
# 2x2: group 4 vs never treated, post = time >= 4
s <- d[d$g %in% c(0, 4), ]
s$treated <- as.numeric(s$g == 4); s$post <- as.numeric(s$time >= 4)
f <- lm(y ~ treated * post, data = s)
V <- cr1(f, s$unit); Gc <- length(unique(s$unit))
se_cl <- sqrt(diag(V))
did2 <- list(est = unname(coef(f)), se_classical = unname(sqrt(diag(vcov(f)))), se_cr1 = unname(se_cl),
             p_cr1 = unname(2 * pt(abs(coef(f) / se_cl), Gc - 1, lower.tail = FALSE)),
             p_classical = unname(summary(f)$coefficients[, 4]))
# event study: leads/lags binned at -3 and 3, reference -1
rel <- ifelse(d$g > 0, pmin(pmax(d$time - d$g, -3), 3), NA)
lev <- setdiff(-3:3, -1)
for (e in lev) d[[paste0("D", e + 10)]] <- as.numeric(!is.na(rel) & rel == e)
fe <- lm(as.formula(paste("y ~", paste0("D", lev + 10, collapse = " + "), "+ factor(unit) + factor(time)")), data = d)
Ve <- cr1(fe, d$unit)
nm <- paste0("D", lev + 10)
es <- list(rel = lev, est = unname(coef(fe)[nm]), se = unname(sqrt(diag(Ve))[nm]))
# Callaway & Sant'Anna ATT(g,t), never-treated controls, varying base period for pre-periods
Y <- matrix(d$y, nrow = n, byrow = TRUE)   # rows = units (ordered), cols = time
att <- list()
for (g in c(4, 6)) for (t in 2:T) {
  base <- if (t >= g) g - 1 else t - 1
  dY <- Y[, t] - Y[, base]
  att[[length(att) + 1]] <- list(g = g, t = t, att = mean(dY[G == g]) - mean(dY[G == 0]))
}
jsonlite::write_json(list(did2 = did2, event = es, att_gt = att), "did.json", digits = NA, auto_unbox = TRUE,
                     pretty = TRUE)
