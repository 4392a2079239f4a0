# Proportional-odds fits checked against ordinal::clm (the batched Newton fit in engagesurvey.power_ordinal).
# Data are simulated here and written to data/power_ordinal.csv. Run: Rscript power_ordinal.R
library(ordinal)
set.seed(20260)
n <- 300
x <- rnorm(n); g <- rep(1:30, each = 10); xm <- ave(x, g); xw <- x - xm
ystar <- 0.4 * x + rlogis(n)
y <- cut(ystar, c(-Inf, -2, -0.7, 0.8, 2.2, Inf), labels = FALSE)
write.csv(data.frame(y = y, x = x, g = g, xw = xw, xm = xm), "data/power_ordinal.csv", row.names = FALSE)
f1 <- clm(factor(y) ~ x, link = "logit")
f2 <- clm(factor(y) ~ xw + xm, link = "logit")
out <- function(f) list(theta = unname(f$alpha), beta = unname(f$beta), se = unname(sqrt(diag(vcov(f)))),
                        loglik = as.numeric(logLik(f)))
jsonlite::write_json(list(single = out(f1), mundlak = out(f2)), "power_ordinal.json", digits = NA,
                     auto_unbox = TRUE, pretty = TRUE)
