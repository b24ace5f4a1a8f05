// The card form when Stripe is configured: Stripe.js (from js.stripe.com) confirms the PaymentIntent;
// the booking is confirmed by the server when Stripe's webhook arrives, never by this page.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("stripe-form");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    stripe.confirmCardPayment(form.dataset.secret, { payment_method: { card: card } }).then(function (result) {
      if (result.error) {
        document.getElementById("card-errors").textContent = result.error.message;
      } else {
        window.location.assign(form.dataset.return);
      }
    });
  });
});
