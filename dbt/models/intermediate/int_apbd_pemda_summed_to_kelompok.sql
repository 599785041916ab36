{#- Every pemda's planned APBD per year from DJPK's national file, summed from jenis-level
    accounts to the figures a peer comparison needs (Permendagri 90: 4.1 PAD, 4.2 transfers,
    5.1.01 pegawai, 5.1.02 barang dan jasa, 5.1.05 hibah, 5.1.06 bansos, 5.2 modal, 5.4 transfers
    to other governments). DJPK lists only the accounts a pemda budgets: a part missing from a
    pemda is zero (a kota has no villages to transfer to), not unknown; a share of a total the
    file does not hold stays null (the total is null). -#}
with

apbd as (

    select * from {{ ref('stg_djpk__apbd_pemda') }}

)

select
    kode_djpk,
    tahun,
    sum(nilai_rp) filter (where kode_akun like '4.%') as pendapatan_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun like '4.1.%'), 0) as pad_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun like '4.2.%'), 0) as transfer_masuk_rp,
    sum(nilai_rp) filter (where kode_akun like '5.%') as belanja_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.01'), 0) as belanja_pegawai_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.02'), 0) as belanja_barang_jasa_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun like '5.2.%'), 0) as belanja_modal_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.05'), 0) as belanja_hibah_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.06'), 0) as belanja_bansos_rp,
    coalesce(sum(nilai_rp) filter (where kode_akun like '5.4.%'), 0) as belanja_transfer_rp
from apbd
group by kode_djpk, tahun
