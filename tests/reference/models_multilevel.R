# Fixture for engagesurvey.models multilevel, group_agreement and multilevel mediation.
# Simulates grouped data (200 clusters, 2500 rows) and writes it to data/models_multilevel.csv so both
# sides use the same rows. lme4::lmer random intercept / random slope, REML and ML; multilevel::rwg.j,
# rwg, ICC1, ICC2; 1-1-1 multilevel mediation (Zhang, Zyphur & Preacher 2009, CWC(M)) with lmer and a
# Monte Carlo CI. Run from tests/reference/: Rscript models_multilevel.R
library(jsonlite); library(lme4); library(multilevel)
set.seed(4242)
G <- 200; n <- 2500
g <- sample(1:G, n, replace = TRUE)
g[1] <- 201                                  # one cluster with a single observation
u0 <- rnorm(G + 1, 0, 0.6); u1 <- rnorm(G + 1, 0, 0.25); ux <- rnorm(G + 1, 0, 0.7)
um <- rnorm(G + 1, 0, 0.4); w <- rnorm(G + 1)
x <- ux[g] + rnorm(n)
xb <- ave(x, g)
m <- 0.2 + 0.4 * (x - xb) + 0.6 * xb + um[g] + rnorm(n, 0, 0.8)
y <- 1 + (0.3 + u1[g]) * x + 0.25 * m + 0.3 * w[g] + u0[g] + rnorm(n)
lik <- function(s) pmin(5, pmax(1, round(3 + s)))
q <- sapply(1:4, function(j) lik(0.8 * (um[g] + u0[g]) + rnorm(n, 0, 0.9)))
colnames(q) <- paste0("q", 1:4)
rating <- lik(0.5 * y + rnorm(n, 0, 0.8) - 0.5)
dat <- data.frame(group = g, unit = (g - 1) %/% 5 + 1, x = x, w = w[g], m = m, y = y, q, rating = rating)
q1na <- dat$q1; q1na[c(5, 17)] <- NA; dat$q1na <- q1na
out <- dat
for (v in c("x", "w", "m", "y")) out[[v]] <- sprintf("%.17g", dat[[v]])
write.table(out, "data/models_multilevel.csv", sep = ",", row.names = FALSE, quote = FALSE, na = "")

fx <- function(f) {
  s <- summary(f)$coefficients
  vc <- as.data.frame(VarCorr(f))
  list(terms = rownames(s), est = unname(s[, 1]), se = unname(s[, 2]),
       vcov = vc$vcov, vc_names = paste(vc$var1, vc$var2), sdcor = vc$sdcor,
       loglik = as.numeric(logLik(f)), aic = AIC(f), bic = BIC(f),
       deviance = if (isREML(f)) REMLcrit(f) else deviance(f), theta = unname(getME(f, "theta")))
}
res <- list(n = n)
res$ri_reml <- fx(lmer(y ~ x + w + (1 | group), dat, REML = TRUE))
res$ri_ml <- fx(lmer(y ~ x + w + (1 | group), dat, REML = FALSE))
res$rs_reml <- fx(lmer(y ~ x + w + (1 + x | group), dat, REML = TRUE))
res$rs_ml <- fx(lmer(y ~ x + w + (1 + x | group), dat, REML = FALSE))
res$null_reml <- fx(lmer(y ~ 1 + (1 | group), dat))
v <- res$null_reml$vcov; res$null_icc <- v[1] / sum(v)

# agreement: rwg(j) on q1..q4 with ranvar = 2 (uniform null, 5 points); rwg on q1; ICC on the item mean
rj <- rwg.j(dat[, paste0("q", 1:4)], dat$group, ranvar = 2)
r1 <- rwg(dat$q1, dat$group, ranvar = 2)
r1na <- rwg(dat$q1na, dat$group, ranvar = 2)
score <- rowMeans(dat[, paste0("q", 1:4)])
a <- aov(score ~ as.factor(group), data = dat)
a1 <- aov(q1 ~ as.factor(group), data = dat)
res$agree <- list(group = as.numeric(as.character(rj$grpid)), rwg_j = rj$rwg.j, gsize = rj$gsize,
                  rwg = r1$rwg, rwg_na = r1na$rwg, gsize_na = r1na$gsize,
                  mean_j = unname(tapply(score, dat$group, mean)),
                  icc1 = ICC1(a), icc2 = ICC2(a), icc1_q1 = ICC1(a1), icc2_q1 = ICC2(a1),
                  rwg_j_ranvar3 = rwg.j(dat[, paste0("q", 1:4)], dat$group, ranvar = 3)$rwg.j)

# 1-1-1 multilevel mediation, CWC(M)
dat$x_w <- dat$x - ave(dat$x, dat$group); dat$x_b <- ave(dat$x, dat$group)
dat$m_w <- dat$m - ave(dat$m, dat$group); dat$m_b <- ave(dat$m, dat$group)
fa <- lmer(m ~ x_w + x_b + (1 | group), dat)
fb <- lmer(y ~ m_w + m_b + x_w + x_b + (1 | group), dat)
ca <- summary(fa)$coefficients; cb <- summary(fb)$coefficients
set.seed(7); R <- 200000
mc <- function(a, sa, b, sb) { s <- rnorm(R, a, sa) * rnorm(R, b, sb); unname(quantile(s, c(0.025, 0.975))) }
res$mlmed <- list(a_within = ca["x_w", 1], a_between = ca["x_b", 1], a_within_se = ca["x_w", 2],
  a_between_se = ca["x_b", 2], b_within = cb["m_w", 1], b_between = cb["m_b", 1],
  b_within_se = cb["m_w", 2], b_between_se = cb["m_b", 2],
  c_within = cb["x_w", 1], c_between = cb["x_b", 1],
  ind_within = ca["x_w", 1] * cb["m_w", 1], ind_between = ca["x_b", 1] * cb["m_b", 1],
  ci_within = mc(ca["x_w", 1], ca["x_w", 2], cb["m_w", 1], cb["m_w", 2]),
  ci_between = mc(ca["x_b", 1], ca["x_b", 2], cb["m_b", 1], cb["m_b", 2]))
# conditional modes (BLUPs) of the random effects, lme4::ranef, by group in sorted order
re_ri <- ranef(lmer(y ~ x + w + (1 | group), dat, REML = TRUE))$group
re_rs <- ranef(lmer(y ~ x + w + (1 + x | group), dat, REML = TRUE))$group
res$ranef <- list(group = as.numeric(rownames(re_ri)), ri_intercept = re_ri[, 1],
                  rs_intercept = re_rs[, 1], rs_x = re_rs[, 2])
write_json(res, "models_multilevel.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
